package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refundfund"
)

// FundRefundsJob tops up a payment provider's balance from custody when
// the refunds due through it exceed it (R-FUND-2, R-DON-2): package
// refundfund. Its bank outcomes come back through the bank poll job,
// routed by their transfer id (RouteFunding).
const FundRefundsJob = "fund-refunds"

// RefundBalance is what the funding job needs of a payment provider: what
// it holds for us to pay refunds from, and being told of a top-up that
// reached its settlement account (the sandbox's book; a real provider
// credits it by itself, and its Fund does nothing).
type RefundBalance interface {
	RefundBalance(ctx context.Context) (money.Fen, error)
	Fund(ctx context.Context, ref string, amount money.Fen) error
}

// RefundFunding is what one run of the funding job works with.
type RefundFunding struct {
	Fund *refundfund.Service
	// Due returns what the refunds still to be paid through provider add
	// up to (refund.Service.Due).
	Due func(ctx context.Context, provider string) (money.Fen, error)
	// Providers are the providers whose balance is funded; Accounts their
	// settlement accounts, which the top-ups are paid to.
	Providers map[string]RefundBalance
	Accounts  map[string]iso20022.Party
	Bank      *bank.Service
}

// FundResult counts what one run did.
type FundResult struct {
	Credited, Planned, Sent int
}

// FundRefunds first tells each provider of the top-ups the bank paid
// (idempotent at the provider, by transfer id), then plans a top-up for
// each provider whose refunds due exceed its balance and the top-ups on
// their way (refundfund.Service.Plan), then records each planned top-up
// in the bank outbox, marks it sending and sends the outbox: the order
// DispatchPayouts keeps, for the same reasons (a crash in between resends
// a transfer id the outbox and the bank already hold, which pays nothing
// twice).
func FundRefunds(ctx context.Context, f RefundFunding, limit int) (FundResult, error) {
	var res FundResult
	var errs []error
	paid, err := f.Fund.Uncredited(ctx, limit)
	if err != nil {
		return res, err
	}
	for _, t := range paid {
		p, ok := f.Providers[t.Provider]
		if !ok {
			continue
		}
		if err := p.Fund(ctx, t.TransferID, t.Amount); err != nil {
			errs = append(errs, fmt.Errorf("top-up %s at %s: %w", t.TransferID, t.Provider, err))
			continue
		}
		if err := f.Fund.Credited(ctx, t.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		res.Credited++
	}
	names := make([]string, 0, len(f.Providers))
	for name := range f.Providers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := f.Accounts[name]; !ok {
			continue
		}
		due, err := f.Due(ctx, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if due == 0 {
			continue
		}
		balance, err := f.Providers[name].RefundBalance(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("balance at %s: %w", name, err))
			continue
		}
		if _, ok, err := f.Fund.Plan(ctx, name, due, balance); err != nil {
			errs = append(errs, err)
		} else if ok {
			res.Planned++
		}
	}
	ready, err := f.Fund.Ready(ctx, limit)
	if err != nil {
		return res, errors.Join(append(errs, err)...)
	}
	for _, t := range ready {
		payee, ok := f.Accounts[t.Provider]
		if !ok {
			continue
		}
		tr := bank.Transfer{ID: t.TransferID, Amount: t.Amount, Payee: payee, Remittance: "carefund refund funding " + t.TransferID}
		if err := f.Bank.Submit(ctx, []bank.Transfer{tr}); err != nil {
			errs = append(errs, fmt.Errorf("top-up %s: %w", t.TransferID, err))
			continue
		}
		if err := f.Fund.Sending(ctx, t.ID); err != nil {
			errs = append(errs, err)
		}
	}
	res.Sent, err = f.Bank.Dispatch(ctx)
	return res, errors.Join(append(errs, err)...)
}

// fundingRouted is a PayoutExecutor whose Settle hands the outcomes of
// top-ups (CFRT…) to refundfund and every other to the next.
type fundingRouted struct {
	PayoutExecutor
	f *refundfund.Service
}

// RouteFunding returns p with the outcomes of refund top-ups routed to f.
// An outcome refundfund refuses as contradicting its record is let pass,
// as the charity transfers' are: the bank's cursor must not stop behind
// it; it stays in the bank's record and the top-up's.
func RouteFunding(p PayoutExecutor, f *refundfund.Service) PayoutExecutor {
	if f == nil {
		return p
	}
	return fundingRouted{PayoutExecutor: p, f: f}
}

func (r fundingRouted) Settle(ctx context.Context, transferID string, o bank.Outcome) error {
	if !strings.HasPrefix(transferID, refundfund.TransferPrefix) {
		return r.PayoutExecutor.Settle(ctx, transferID, o)
	}
	err := r.f.Settle(ctx, transferID, string(o.Status), o.Reason)
	if errors.Is(err, refundfund.ErrState) {
		return nil
	}
	return err
}

// PlatformFunding returns what the funding job works with on p: the
// providers that report a balance and have a settlement account; ok is
// false when there are none, or no bank.
func PlatformFunding(p *platform.Platform) (RefundFunding, bool) {
	if p.RefundFund == nil || p.Refunds == nil || p.Bank == nil {
		return RefundFunding{}, false
	}
	f := RefundFunding{Fund: p.RefundFund, Due: p.Refunds.Due, Providers: map[string]RefundBalance{}, Accounts: p.RefundAccounts, Bank: p.Bank}
	for name, pr := range p.Providers {
		if b, ok := pr.(RefundBalance); ok {
			if _, has := p.RefundAccounts[name]; has {
				f.Providers[name] = b
			}
		}
	}
	return f, len(f.Providers) > 0
}
