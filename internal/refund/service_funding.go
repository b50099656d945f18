package refund

import (
	"context"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// Due returns what the refunds still to be paid back through provider
// add up to: decided, being sent, or to be retried after a closed or
// abnormal attempt — every refund Dispatch may send, and sends only while
// the provider's balance covers it. One processing is left out: the
// provider has taken its money already. The provider's balance must cover Due for the refunds
// to go out (package refundfund tops it up from custody).
func (s *Service) Due(ctx context.Context, provider string) (money.Fen, error) {
	var out money.Fen
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = dueSum(ctx, tx, provider)
		return err
	})
	return out, err
}

// FundSandbox tops the sandbox provider sb up, under ref, with what the
// refunds due through it need beyond its balance; nothing when its balance
// covers them. It stands in for the custody bank's top-up (the
// fund-refunds job) where the donations were not taken by this process's
// sandbox: the demo, the benchmark and tests.
func (s *Service) FundSandbox(ctx context.Context, sb *payment.Sandbox, ref string) error {
	due, err := s.Due(ctx, sb.Name())
	if err != nil {
		return err
	}
	bal, err := sb.RefundBalance(ctx)
	if err != nil {
		return err
	}
	if due > bal {
		return sb.Fund(ctx, ref, due-bal)
	}
	return nil
}
