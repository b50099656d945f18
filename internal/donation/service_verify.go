package donation

import (
	"context"
	"errors"
	"fmt"

	"github.com/carefund/carefund/internal/store"
)

// Verify verifyChecks, on one consistent snapshot of db, that the donations, the
// ledger, the orders and the running totals agree (R-DON-1, R-FUND-1):
//   - every donation row has exactly one ledger entry, the row's entry_id,
//     keyed LedgerKey(provider, transaction id), of kind "donation", with
//     two postings: its amount debited to psp:<provider> and credited to
//     request:<request id>;
//   - every ledger entry under a key LedgerKey makes is of kind "donation"
//     and has exactly one donation row;
//   - every paid order has exactly one donation, and every donation's order
//     is paid and agrees with it;
//   - no two donations share an order, a (provider, transaction id) or an
//     entry, and no payment is both a donation and quarantined as it was
//     credited;
//   - request_totals of each request equals the sum and the count of its
//     donations made before closing (after_close = 0);
//   - share_counts of each share equals the donations before closing made
//     through it, all for the share's request.
//
// It returns a *Violation for each invariant broken (several are joined
// with errors.Join), naming the first few places; other errors are the
// database's.
func Verify(ctx context.Context, db *store.DB) (Summary, error) {
	var s Summary
	var broken []error
	err := db.Read(ctx, func(tx *store.Tx) error {
		s, broken = Summary{}, nil
		for _, c := range verifyChecks {
			cases, more, err := c.find(ctx, tx)
			if err != nil {
				return fmt.Errorf("donation: checking that %s: %w", c.invariant, err)
			}
			if len(cases) > 0 {
				broken = append(broken, &Violation{Invariant: c.invariant, Cases: cases, More: more})
			}
		}
		return verifySummarize(ctx, tx, &s)
	})
	if err != nil {
		return Summary{}, err
	}
	return s, errors.Join(broken...)
}
