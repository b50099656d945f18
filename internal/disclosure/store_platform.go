package disclosure

import (
	"context"
	"database/sql"
	"time"

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
		p, err = readPlatform(ctx, tx, window{})
		return err
	})
	return p, err
}

// PlatformFiguresWithin reads the platform's figures of the entries
// posted from from (inclusive) to to (exclusive), in Asia/Shanghai or any
// zone, in one transaction (R-DISC-3, R-DISC-4): what was raised, paid out,
// refunded and given to charity in the period, and Held and Refunding as
// how much those grew in it, so that the same identity holds for a period
// as for the totals. A zero from reads from the first entry on.
func (s *Service) PlatformFiguresWithin(ctx context.Context, from, to time.Time) (Platform, error) {
	var p Platform
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		p, err = ReadPlatformWithin(ctx, tx, from, to)
		return err
	})
	return p, err
}

// ReadPlatformWithin is PlatformFiguresWithin inside a transaction the
// caller holds, for a report that reads other figures with it.
func ReadPlatformWithin(ctx context.Context, tx *store.Tx, from, to time.Time) (Platform, error) {
	return readPlatform(ctx, tx, window{From: from, To: to})
}

// readPlatform sums readFigures over every request account at once: the
// balances of the request:R accounts, their postings by kind, the postings
// of every refund run's payable account by kind, the fees (request:R
// postings of entries that credit income:fees), and charity:payable's
// interest and transfers. Within a window, Held is what the request
// accounts' postings in it add up to, Requests the accounts posted to and
// Donors the donations posted in it; without one, the accounts' balances
// and the requests' totals.
func readPlatform(ctx context.Context, tx *store.Tx, w window) (Platform, error) {
	var p Platform
	var held sql.NullInt64
	cond, args := w.where(0)
	if w == (window{}) {
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
	} else {
		// A request account is a liability: what it holds is minus the
		// sum of its postings.
		err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT a.id), -SUM(p.amount),
			COUNT(DISTINCT CASE WHEN e.kind = 'donation' AND p.amount < 0 THEN e.id END)
			FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
			JOIN ledger_accounts a ON a.id = p.account_id WHERE a.name LIKE 'request:%'`+cond, args...).
			Scan(&p.Requests, &held, &p.Donors)
		if err != nil {
			return p, err
		}
		p.Held = money.Fen(held.Int64)
	}
	err := sumFigures(ctx, tx, &p.Figures, "a.name LIKE 'request:%'", nil,
		"a.name IN (SELECT 'payable:refund:' || CAST(id AS TEXT) FROM refund_runs)", nil, w)
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
		JOIN ledger_accounts a ON a.id = p.account_id WHERE a.name = 'charity:payable'`+cond+` GROUP BY e.kind`, args...)
	return p, err
}
