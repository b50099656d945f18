package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/carefund/carefund/internal/bank"
)

// The custody bank's jobs, by name.
const (
	// BankDispatchJob sends approved payouts to the custody bank.
	BankDispatchJob = "bank-dispatch"
	// BankPollJob reads what the bank did with them and settles the
	// payouts.
	BankPollJob = "bank-poll"
)

// BankInstruction is an approved payout ready to be paid: its id and the
// transfer that pays it (the transfer's ID is the payout's end-to-end id,
// "CFPO<payout>A<attempt>").
type BankInstruction struct {
	PayoutID int64
	Transfer bank.Transfer
}

// PayoutExecutor is what the bank jobs need of the payout side; the
// assembly adapts the payout service to it, so that jobs and bank stay
// independent of payout's types.
type PayoutExecutor interface {
	// Ready returns up to limit approved payouts not yet being paid. Until
	// Sending is called, it returns the same payout with the same
	// transfer ID.
	Ready(ctx context.Context, limit int) ([]BankInstruction, error)
	// Sending moves a payout from approved to paying; again is a no-op.
	Sending(ctx context.Context, payoutID int64, transferID string) error
	// Settle applies what the bank did with a transfer (paid, rejected or
	// returned); it is idempotent, and keeps a conflicting outcome
	// quarantined rather than apply it.
	Settle(ctx context.Context, transferID string, o bank.Outcome) error
}

// dispatchPerRun bounds the payouts one run of the dispatch job takes.
const dispatchPerRun = 200

// BankJobs returns the jobs that pay payouts through the custody bank.
func BankJobs(p PayoutExecutor, b *bank.Service, every time.Duration) []Job {
	return []Job{
		{Name: BankDispatchJob, Every: every, Run: func(ctx context.Context) error {
			_, err := DispatchPayouts(ctx, p, b, dispatchPerRun)
			return err
		}},
		{Name: BankPollJob, Every: every, Run: func(ctx context.Context) error {
			_, err := PollPayouts(ctx, p, b)
			return err
		}},
	}
}

// DispatchPayouts records each ready payout's transfer in the bank outbox,
// then marks the payout paying, then sends the outbox. The order is what
// makes a crash harmless: killed after the outbox has the transfer but
// before the payout is paying, the next run finds the payout ready again
// with the same transfer ID, which the outbox already holds; killed after,
// the outbox still sends it; and the bank ignores a transfer ID it has
// seen. A transfer the outbox refuses (its ID recorded with other content)
// leaves its payout approved, and the error is returned after the others
// were handled. It returns how many transfers were sent.
func DispatchPayouts(ctx context.Context, p PayoutExecutor, b *bank.Service, limit int) (int, error) {
	ready, err := p.Ready(ctx, limit)
	if err != nil {
		return 0, fmt.Errorf("payouts ready to send: %w", err)
	}
	var errs []error
	for _, in := range ready {
		if err := b.Submit(ctx, []bank.Transfer{in.Transfer}); err != nil {
			errs = append(errs, fmt.Errorf("payout %d: %w", in.PayoutID, err))
			continue
		}
		if err := p.Sending(ctx, in.PayoutID, in.Transfer.ID); err != nil {
			errs = append(errs, fmt.Errorf("payout %d: %w", in.PayoutID, err))
		}
	}
	sent, err := b.Dispatch(ctx)
	return sent, errors.Join(append(errs, err)...)
}

// PollPayouts reads the bank's outcomes and settles each on the payout
// side; the bank service advances its cursor only past what was settled.
// A pending status is no news to a payout already paying, so only paid,
// rejected and returned reach Settle.
func PollPayouts(ctx context.Context, p PayoutExecutor, b *bank.Service) (int, error) {
	return b.Poll(ctx, func(o bank.Outcome) error {
		if o.Status == bank.Pending {
			return nil
		}
		return p.Settle(ctx, o.TransferID, o)
	})
}
