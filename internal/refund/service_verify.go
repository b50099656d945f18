package refund

import (
	"context"

	"github.com/carefund/carefund/internal/store"
)

// Verify checks the refunds against the ledger, for `carefund verify`:
// every refund row has its refund entry and at most one outcome entry;
// succeeded ⇔ refund_paid, to_charity ⇔ refund_to_charity; no donation
// refunded more than it gave; each refund by its donation's own route
// (R-DON-2); payable:refund:<run> = decided − paid − to charity; each
// run's counters equal its refunds. A break is a *Violation.
func Verify(ctx context.Context, db *store.DB) (VerifySummary, error) {
	var s VerifySummary
	var broken []string
	err := db.Read(ctx, func(tx *store.Tx) (err error) {
		s, broken, err = verifyAll(ctx, tx)
		return err
	})
	if err == nil && len(broken) > 0 {
		err = &Violation{Checks: broken}
	}
	return s, err
}
