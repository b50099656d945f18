package donation

import (
	"context"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// Reconcile asks the providers about up to limit orders still unpaid at
// olderThan, whose notification never came (R-DON-1). A paid one is
// confirmed through Confirm, under the same key a notification would use,
// so a notification arriving later still counts it once. One the provider
// reports unpaid, closed, failed or unknown is recorded as lapsed and not
// asked about again; its payment, should one still come, is still credited.
// An order of a provider missing from providers, or whose provider cannot
// be reached, is left for the next run, and the run goes on past it, so such
// orders never keep the others from being asked about.
func (s *Service) Reconcile(ctx context.Context, providers map[string]payment.Provider, olderThan time.Time, limit int) (ReconcileResult, error) {
	var (
		res   ReconcileResult
		errs  []error
		after Order
	)
	for res.Asked+res.Left < limit {
		want := min(reconcilePage, limit-res.Asked-res.Left)
		orders, err := s.unpaidAfter(ctx, olderThan, after, want)
		if err != nil {
			return res, errors.Join(append(errs, err)...)
		}
		for _, o := range orders {
			after = o
			if err := s.reconcile(ctx, providers, o, &res); err != nil {
				res.Left++
				errs = append(errs, err)
			}
		}
		if len(orders) < want || ctx.Err() != nil {
			break
		}
	}
	return res, errors.Join(errs...)
}

// reconcile asks about one order and confirms or lapses it, counting what
// it did in res; an order it leaves is an error, or no error for a
// provider that is not configured.
func (s *Service) reconcile(ctx context.Context, providers map[string]payment.Provider, o Order, res *ReconcileResult) error {
	p, ok := providers[o.Provider]
	if !ok {
		res.Left++
		return nil
	}
	res.Asked++
	pay, err := p.Query(ctx, o.OrderNo)
	state := ""
	switch {
	case errors.Is(err, payment.ErrUnknownOrder):
		state = "unknown"
	case err != nil:
		res.Asked--
		return wrapf("asking %s about order %s: %w", o.Provider, o.OrderNo, err)
	case pay.State == payment.Paid:
		if pay.OrderID != o.OrderNo {
			// Never believe an answer about another order.
			res.Asked--
			return wrapf("%s answered about order %q when asked about %s", o.Provider, pay.OrderID, o.OrderNo)
		}
		pay.Provider = o.Provider
		out, err := s.Confirm(ctx, pay)
		if err != nil {
			res.Asked--
			return err
		}
		if out.DonationID == 0 {
			// The provider's own answer conflicts with the order and was
			// set aside for finance staff too; the order stays held, not
			// given up, and is asked about again until heldAskedFor ends.
			res.Asked--
			res.Left++
			return nil
		}
		res.Confirmed++
		return nil
	default:
		state = string(pay.State)
	}
	switch state {
	case "not_paid", "closed", "failed", "refunded", "unknown":
	default:
		state = "unknown"
	}
	if err := s.lapse(ctx, o.ID, state); err != nil {
		res.Asked--
		return err
	}
	res.Lapsed++
	return nil
}

func (s *Service) lapse(ctx context.Context, orderID int64, providerState string) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO donation_order_lapses (order_id, provider_state, lapsed_at)
			VALUES ($1, $2, $3) ON CONFLICT (order_id) DO NOTHING`, orderID, providerState, tx.Now.UnixMicro())
		return err
	})
}
