package payout

import (
	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
)

// CheckAmount checks the amount of a payout application: at least one fen,
// at most what the request holds, and not money another payout in progress
// has already claimed.
//
// held is the balance of the request's ledger account (request:R): what was
// raised, less what was already approved (moved to payable) or refunded.
// inProgress is the sum of the request's applications that are open and not
// yet approved, so not yet posted: their money is still in held, and counting
// it as free would let two applications pay out the same yuan.
//
// An amount above held is apperr.Invalid on field "amount" (KeyAmountBalance,
// Args: held); one that fits held but not held less inProgress is
// apperr.Conflict KeyAmountInFlight (Args: inProgress, what is left), which
// tells the publisher to wait for the payout in flight instead of asking for
// the same money twice.
func CheckAmount(amount, held, inProgress money.Fen) error {
	switch {
	case amount < 1:
		return invalid(apperr.FieldError{Field: "amount", Key: KeyAmountMin})
	case amount > held:
		return invalid(apperr.FieldError{Field: "amount", Key: KeyAmountBalance, Args: []any{held.String()}})
	case amount > held-inProgress:
		return apperr.New(apperr.Conflict, KeyAmountInFlight, inProgress.String(), max(held-inProgress, 0).String())
	}
	return nil
}
