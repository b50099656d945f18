package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/reconcile"
)

// The jobs of money to charity and of recoveries, by name.
const (
	// CharityDispatchJob sends approved charity transfers to the custody
	// bank (R-CHAR-1); their outcomes come back through the bank poll
	// job, routed by their transfer id (RouteOutcomes).
	CharityDispatchJob = "charity-dispatch"
	// RecoveryRefundsJob hands money recovered from the custody statement
	// to the refund service (R-REF-2), for the ones a crash left.
	RecoveryRefundsJob = "recovery-refunds"
)

// DispatchCharity records each approved charity transfer in the bank
// outbox, then marks it paying, then sends the outbox: the order
// DispatchPayouts keeps, for the same reasons (a crash in between resends
// a transfer id the outbox and the bank already hold, which pays nothing
// twice). It returns how many transfers were sent.
func DispatchCharity(ctx context.Context, c *charitypay.Service, b *bank.Service, limit int) (int, error) {
	ready, err := c.Ready(ctx, limit)
	if err != nil {
		return 0, fmt.Errorf("charity transfers ready to send: %w", err)
	}
	var errs []error
	for _, in := range ready {
		t := bank.Transfer{ID: in.TransferID, Amount: in.Amount,
			Payee:      iso20022.Party{Name: in.Name, Account: iso20022.Account{ID: in.Account}, Bank: iso20022.Agent{Name: in.BankName}},
			Remittance: "carefund charity transfer " + in.TransferID}
		if err := b.Submit(ctx, []bank.Transfer{t}); err != nil {
			errs = append(errs, fmt.Errorf("charity transfer %d: %w", in.ID, err))
			continue
		}
		if err := c.Sending(ctx, in.ID); err != nil {
			errs = append(errs, fmt.Errorf("charity transfer %d: %w", in.ID, err))
		}
	}
	sent, err := b.Dispatch(ctx)
	return sent, errors.Join(append(errs, err)...)
}

// charitySettler applies the bank's outcomes of charity transfers. An
// outcome charitypay refuses as contradicting its record is logged by the
// service's error and let pass, as the payout side's quarantined outcomes
// are: the bank's cursor must not stop behind it.
type charitySettler struct{ c *charitypay.Service }

func (s charitySettler) Settle(ctx context.Context, transferID string, o bank.Outcome) error {
	err := s.c.Settle(ctx, transferID, charitypay.Outcome{Status: string(o.Status), Reason: o.Reason, At: o.At})
	if errors.Is(err, charitypay.ErrState) {
		return nil
	}
	return err
}

// routed is a PayoutExecutor whose Settle hands the outcomes of charity
// transfers (CFCT…) to charitypay and every other to the payouts.
type routed struct {
	PayoutExecutor
	charity charitySettler
}

// RouteOutcomes returns p with the outcomes of charity transfers routed
// to c: the custody bank has one stream of outcomes for every transfer
// the platform sends.
func RouteOutcomes(p PayoutExecutor, c *charitypay.Service) PayoutExecutor {
	if c == nil {
		return p
	}
	return routed{PayoutExecutor: p, charity: charitySettler{c}}
}

func (r routed) Settle(ctx context.Context, transferID string, o bank.Outcome) error {
	if strings.HasPrefix(transferID, charitypay.TransferPrefix) {
		return r.charity.Settle(ctx, transferID, o)
	}
	return r.PayoutExecutor.Settle(ctx, transferID, o)
}

// StartRecoveryRefunds hands the recoveries not yet handed over to the
// refund service.
func StartRecoveryRefunds(ctx context.Context, r *reconcile.Service) (int, error) {
	return r.StartRefunds(ctx, 1000)
}
