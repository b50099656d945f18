package jobs

import (
	"context"
	"errors"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/payout"
)

// payoutExecutor is the payout service as the bank jobs see it.
type payoutExecutor struct {
	s       *payout.Service
	changed func()
}

func (e payoutExecutor) Ready(ctx context.Context, limit int) ([]BankInstruction, error) {
	ins, err := e.s.Ready(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]BankInstruction, len(ins))
	for i, in := range ins {
		out[i] = BankInstruction{PayoutID: in.PayoutID, Transfer: bank.Transfer{
			ID:     in.TransferID,
			Amount: in.Amount,
			Payee: iso20022.Party{Name: in.PayeeName, Account: iso20022.Account{ID: in.Account},
				Bank: iso20022.Agent{Name: in.BankName}},
			Remittance: "carefund payout " + in.TransferID,
		}}
	}
	return out, nil
}

func (e payoutExecutor) Sending(ctx context.Context, payoutID int64, transferID string) error {
	return e.s.Sending(ctx, payoutID, transferID)
}

// Settle applies the bank's outcome. An outcome the payout side kept
// quarantined (it contradicts what was recorded) is handled: it is stored
// for staff, and the bank's cursor may move past it rather than stop every
// later outcome behind it.
func (e payoutExecutor) Settle(ctx context.Context, transferID string, o bank.Outcome) error {
	err := e.s.Settle(ctx, transferID, payout.Outcome{Status: payout.Status(o.Status), Reason: o.Reason, At: o.At})
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code == apperr.Conflict && ae.Key == payout.KeyOutcome {
		return nil
	}
	if err == nil {
		e.changed()
	}
	return err
}
